import type { APIRoute } from 'astro';
import { signOut } from '../forms/auth';

/** Signing out is a POST (from the admin header), so no link can sign someone out. */
export const POST: APIRoute = (context) => signOut(context);
export const GET: APIRoute = ({ redirect }) => redirect('/admin', 303);
