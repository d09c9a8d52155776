CREATE TYPE "public"."rollback_decision" AS ENUM('rolled_back', 'declined');--> statement-breakpoint
CREATE TYPE "public"."action_item_state" AS ENUM('open', 'done', 'dropped');--> statement-breakpoint
ALTER TYPE "public"."team_alert_kind" ADD VALUE 'rollback_criteria_met';--> statement-breakpoint
CREATE TABLE "maintenance_template" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"sets_under_maintenance" boolean NOT NULL,
	"notify_subscribers" boolean NOT NULL,
	"notify_on_schedule" boolean NOT NULL,
	"notify_reminder" boolean NOT NULL,
	"notify_on_start" boolean NOT NULL,
	"notify_on_complete" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "maintenance_template_component" (
	"template_id" text NOT NULL,
	"component_id" text NOT NULL,
	CONSTRAINT "maintenance_template_component_template_id_component_id_pk" PRIMARY KEY("template_id","component_id")
);
--> statement-breakpoint
CREATE TABLE "action_item" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"title" text NOT NULL,
	"owner_id" text,
	"due_at" timestamp with time zone NOT NULL,
	"state" "action_item_state" NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"created_by" text,
	"overdue_reminded_for" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "rollback_criteria_met" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "rollback_decision" "rollback_decision";--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "rollback_decision_reason" text;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "rollback_decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incident" ADD COLUMN "rollback_decided_by" text;--> statement-breakpoint
ALTER TABLE "incident_update" ADD COLUMN "next_update_by" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incident_draft" ADD COLUMN "rollback_criteria" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "maintenance_template_component" ADD CONSTRAINT "maintenance_template_component_template_id_maintenance_template_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."maintenance_template"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "maintenance_template_component" ADD CONSTRAINT "maintenance_template_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_item" ADD CONSTRAINT "action_item_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_item" ADD CONSTRAINT "action_item_owner_id_user_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "action_item" ADD CONSTRAINT "action_item_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "maintenance_template_name_idx" ON "maintenance_template" USING btree ("name");--> statement-breakpoint
CREATE INDEX "maintenance_template_component_component_id_idx" ON "maintenance_template_component" USING btree ("component_id");--> statement-breakpoint
CREATE INDEX "action_item_incident_id_idx" ON "action_item" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "action_item_state_due_at_idx" ON "action_item" USING btree ("state","due_at");--> statement-breakpoint
ALTER TABLE "incident" ADD CONSTRAINT "incident_rollback_decided_by_user_id_fk" FOREIGN KEY ("rollback_decided_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;