CREATE TYPE "public"."webhook_subscriber_state" AS ENUM('pending', 'active', 'disabled');--> statement-breakpoint
CREATE TABLE "webhook_delivery" (
	"id" text PRIMARY KEY NOT NULL,
	"subscriber_id" text NOT NULL,
	"event_id" text NOT NULL,
	"event_key" text NOT NULL,
	"state" "delivery_state" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_status_code" integer,
	"body" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"failed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_event" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"incident_id" text,
	"incident_update_id" text,
	"maintenance_id" text,
	"maintenance_update_id" text,
	"component_id" text,
	"component_status_interval_id" bigint,
	"details" jsonb,
	"page_status" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"fanned_out_at" timestamp with time zone,
	"recipient_count" integer
);
--> statement-breakpoint
CREATE TABLE "webhook_subscriber" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"signing_secret" text NOT NULL,
	"unsubscribe_secret_hash" "bytea" NOT NULL,
	"state" "webhook_subscriber_state" NOT NULL,
	"owner_email" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"verified_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"disabled_reason" text,
	"owner_notified_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_subscriber_component" (
	"subscriber_id" text NOT NULL,
	"component_id" text NOT NULL,
	CONSTRAINT "webhook_subscriber_component_subscriber_id_component_id_pk" PRIMARY KEY("subscriber_id","component_id")
);
--> statement-breakpoint
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_subscriber_id_webhook_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."webhook_subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_event_id_webhook_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."webhook_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_incident_update_id_incident_update_id_fk" FOREIGN KEY ("incident_update_id") REFERENCES "public"."incident_update"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_maintenance_id_maintenance_id_fk" FOREIGN KEY ("maintenance_id") REFERENCES "public"."maintenance"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_maintenance_update_id_maintenance_update_id_fk" FOREIGN KEY ("maintenance_update_id") REFERENCES "public"."maintenance_update"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_component_status_interval_id_component_status_interval_id_fk" FOREIGN KEY ("component_status_interval_id") REFERENCES "public"."component_status_interval"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_subscriber_component" ADD CONSTRAINT "webhook_subscriber_component_subscriber_id_webhook_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."webhook_subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_subscriber_component" ADD CONSTRAINT "webhook_subscriber_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_delivery_subscriber_id_event_key_idx" ON "webhook_delivery" USING btree ("subscriber_id","event_key");--> statement-breakpoint
CREATE INDEX "webhook_delivery_event_id_idx" ON "webhook_delivery" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "webhook_delivery_state_idx" ON "webhook_delivery" USING btree ("state") WHERE "webhook_delivery"."state" in ('queued', 'sending');--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_event_key_idx" ON "webhook_event" USING btree ("key");--> statement-breakpoint
CREATE INDEX "webhook_event_fanned_out_at_idx" ON "webhook_event" USING btree ("fanned_out_at");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_subscriber_url_idx" ON "webhook_subscriber" USING btree ("url");--> statement-breakpoint
CREATE INDEX "webhook_subscriber_state_idx" ON "webhook_subscriber" USING btree ("state");--> statement-breakpoint
CREATE INDEX "webhook_subscriber_component_component_id_idx" ON "webhook_subscriber_component" USING btree ("component_id");