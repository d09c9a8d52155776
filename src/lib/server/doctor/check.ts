/** One finding of `npm run herald -- doctor`: what was checked, how it stands, and what to do about it. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  line: string;
  /** What to do, when the status is not ok. */
  fix?: string;
}
