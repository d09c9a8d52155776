-- Subscriber links are signed now (services/subscribers/subscriber-tokens.ts), so the token table goes.
-- Links sent before this migration (random tokens kept here) stop working; README.md "Data retention" says so.
DROP TABLE "subscriber_token" CASCADE;--> statement-breakpoint
ALTER TABLE "subscriber" ADD COLUMN "link_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_subscriber" ADD COLUMN "owner_email_token_hash" "bytea";--> statement-breakpoint
ALTER TABLE "webhook_subscriber" ADD COLUMN "owner_email_confirmed_at" timestamp with time zone;--> statement-breakpoint
DROP TYPE "public"."subscriber_token_purpose";