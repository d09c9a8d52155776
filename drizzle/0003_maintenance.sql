CREATE TYPE "public"."maintenance_status" AS ENUM('scheduled', 'in_progress', 'verifying', 'completed', 'cancelled');--> statement-breakpoint
CREATE TABLE "maintenance" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"status" "maintenance_status" NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"scheduled_until" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"sets_under_maintenance" boolean NOT NULL,
	"notify_subscribers" boolean NOT NULL,
	"notify_on_schedule" boolean NOT NULL,
	"notify_reminder" boolean NOT NULL,
	"notify_on_start" boolean NOT NULL,
	"notify_on_complete" boolean NOT NULL,
	"backfilled" boolean DEFAULT false NOT NULL,
	"series_id" text,
	"schedule_version" integer DEFAULT 1 NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"created_by" text
);
--> statement-breakpoint
CREATE TABLE "maintenance_component" (
	"maintenance_id" text NOT NULL,
	"component_id" text NOT NULL,
	"status_before" "component_status",
	"held_by_incident_id" text,
	"held_by_maintenance_id" text,
	CONSTRAINT "maintenance_component_maintenance_id_component_id_pk" PRIMARY KEY("maintenance_id","component_id")
);
--> statement-breakpoint
CREATE TABLE "maintenance_series" (
	"id" text PRIMARY KEY NOT NULL,
	"rule" jsonb NOT NULL,
	"end" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "maintenance_update" (
	"id" text PRIMARY KEY NOT NULL,
	"maintenance_id" text NOT NULL,
	"status" "maintenance_status" NOT NULL,
	"body" text NOT NULL,
	"notify_subscribers" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"sequence" bigserial NOT NULL,
	"created_by" text
);
--> statement-breakpoint
ALTER TABLE "notification" ALTER COLUMN "incident_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notification" ALTER COLUMN "incident_update_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "component_status_interval" ADD COLUMN "maintenance_id" text;--> statement-breakpoint
ALTER TABLE "notification" ADD COLUMN "maintenance_id" text;--> statement-breakpoint
ALTER TABLE "notification" ADD COLUMN "maintenance_update_id" text;--> statement-breakpoint
ALTER TABLE "notification" ADD COLUMN "occasion" text;--> statement-breakpoint
ALTER TABLE "maintenance" ADD CONSTRAINT "maintenance_series_id_maintenance_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."maintenance_series"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance" ADD CONSTRAINT "maintenance_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_component" ADD CONSTRAINT "maintenance_component_maintenance_id_maintenance_id_fk" FOREIGN KEY ("maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_component" ADD CONSTRAINT "maintenance_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_component" ADD CONSTRAINT "maintenance_component_held_by_incident_id_incident_id_fk" FOREIGN KEY ("held_by_incident_id") REFERENCES "public"."incident"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_component" ADD CONSTRAINT "maintenance_component_held_by_maintenance_id_maintenance_id_fk" FOREIGN KEY ("held_by_maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_update" ADD CONSTRAINT "maintenance_update_maintenance_id_maintenance_id_fk" FOREIGN KEY ("maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_update" ADD CONSTRAINT "maintenance_update_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "maintenance_status_scheduled_for_idx" ON "maintenance" USING btree ("status","scheduled_for");--> statement-breakpoint
CREATE INDEX "maintenance_series_id_idx" ON "maintenance" USING btree ("series_id");--> statement-breakpoint
CREATE INDEX "maintenance_component_component_id_idx" ON "maintenance_component" USING btree ("component_id");--> statement-breakpoint
CREATE INDEX "maintenance_update_maintenance_id_created_at_idx" ON "maintenance_update" USING btree ("maintenance_id","created_at");--> statement-breakpoint
ALTER TABLE "component_status_interval" ADD CONSTRAINT "component_status_interval_maintenance_id_maintenance_id_fk" FOREIGN KEY ("maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification" ADD CONSTRAINT "notification_maintenance_id_maintenance_id_fk" FOREIGN KEY ("maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification" ADD CONSTRAINT "notification_maintenance_update_id_maintenance_update_id_fk" FOREIGN KEY ("maintenance_update_id") REFERENCES "public"."maintenance_update"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_maintenance_id_occasion_idx" ON "notification" USING btree ("maintenance_id","occasion");--> statement-breakpoint
ALTER TABLE "notification" ADD CONSTRAINT "notification_one_subject" CHECK (("notification"."incident_id" is null) <> ("notification"."maintenance_id" is null));