CREATE TYPE "public"."customer_email_state" AS ENUM('not_required', 'scheduled', 'sent', 'skipped', 'held', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."team_alert_kind" AS ENUM('declared', 'severity_raised', 'update_overdue', 'postmortem_reminder', 'postmortem_overdue');--> statement-breakpoint
CREATE TABLE "contact" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"email" text NOT NULL,
	"webhook_url" text,
	"severities" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "team_alert" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"kind" "team_alert_kind" NOT NULL,
	"occasion" text NOT NULL,
	"recipient_email" text NOT NULL,
	"recipient_name" text NOT NULL,
	"channel" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "owner_id" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "suggested_severity" "severity";--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "severity_suggestion_reason" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "severity_signals" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "severity_override_reason" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "customer_email_state" "customer_email_state" DEFAULT 'not_required' NOT NULL;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "customer_email_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "customer_email_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "customer_email_notification_id" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "customer_email_note" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "postmortem_body" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "postmortem_published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "team_alert" ADD CONSTRAINT "team_alert_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "team_alert_incident_id_kind_occasion_recipient_email_channel_idx" ON "team_alert" USING btree ("incident_id","kind","occasion","recipient_email","channel");--> statement-breakpoint
ALTER TABLE "incident" ADD CONSTRAINT "incident_owner_id_user_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;