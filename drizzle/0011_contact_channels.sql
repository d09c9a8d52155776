CREATE TYPE "public"."contact_channel_kind" AS ENUM('slack', 'teams', 'discord', 'google_chat', 'pagerduty');--> statement-breakpoint
ALTER TYPE "public"."team_alert_kind" ADD VALUE 'resolved';--> statement-breakpoint
CREATE TABLE "contact_channel" (
	"id" text PRIMARY KEY NOT NULL,
	"contact_id" text NOT NULL,
	"kind" "contact_channel_kind" NOT NULL,
	"target" text NOT NULL,
	"label" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"disabled_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "team_alert" ADD COLUMN "retry_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contact_channel" ADD CONSTRAINT "contact_channel_contact_id_contact_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contact"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_channel_contact_id_idx" ON "contact_channel" USING btree ("contact_id");