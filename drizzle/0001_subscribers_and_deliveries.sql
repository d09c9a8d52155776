CREATE TYPE "public"."delivery_state" AS ENUM('queued', 'sending', 'sent', 'failed');--> statement-breakpoint
CREATE TYPE "public"."subscriber_state" AS ENUM('pending', 'confirmed');--> statement-breakpoint
CREATE TYPE "public"."subscriber_token_purpose" AS ENUM('confirm', 'manage', 'unsubscribe');--> statement-breakpoint
CREATE TABLE "delivery" (
	"id" text PRIMARY KEY NOT NULL,
	"notification_id" text NOT NULL,
	"subscriber_id" text NOT NULL,
	"state" "delivery_state" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notification" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"incident_update_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"fanned_out_at" timestamp with time zone,
	"recipient_count" integer
);
--> statement-breakpoint
CREATE TABLE "subscriber" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"state" "subscriber_state" NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriber_component" (
	"subscriber_id" text NOT NULL,
	"component_id" text NOT NULL,
	CONSTRAINT "subscriber_component_subscriber_id_component_id_pk" PRIMARY KEY("subscriber_id","component_id")
);
--> statement-breakpoint
CREATE TABLE "subscriber_token" (
	"id" text PRIMARY KEY NOT NULL,
	"subscriber_id" text NOT NULL,
	"purpose" "subscriber_token_purpose" NOT NULL,
	"secret_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_notification_id_notification_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notification"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delivery" ADD CONSTRAINT "delivery_subscriber_id_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification" ADD CONSTRAINT "notification_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification" ADD CONSTRAINT "notification_incident_update_id_incident_update_id_fk" FOREIGN KEY ("incident_update_id") REFERENCES "public"."incident_update"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriber_component" ADD CONSTRAINT "subscriber_component_subscriber_id_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriber_component" ADD CONSTRAINT "subscriber_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriber_token" ADD CONSTRAINT "subscriber_token_subscriber_id_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_notification_id_subscriber_id_idx" ON "delivery" USING btree ("notification_id","subscriber_id");--> statement-breakpoint
CREATE INDEX "delivery_notification_id_state_idx" ON "delivery" USING btree ("notification_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_incident_update_id_idx" ON "notification" USING btree ("incident_update_id");--> statement-breakpoint
CREATE INDEX "notification_incident_id_idx" ON "notification" USING btree ("incident_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriber_email_idx" ON "subscriber" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "subscriber_state_idx" ON "subscriber" USING btree ("state");--> statement-breakpoint
CREATE INDEX "subscriber_component_component_id_idx" ON "subscriber_component" USING btree ("component_id");--> statement-breakpoint
CREATE INDEX "subscriber_token_subscriber_id_idx" ON "subscriber_token" USING btree ("subscriber_id");