CREATE TYPE "public"."chat_subscriber_platform" AS ENUM('slack', 'teams', 'discord', 'google_chat');--> statement-breakpoint
CREATE TABLE "chat_delivery" (
	"id" text PRIMARY KEY NOT NULL,
	"subscriber_id" text NOT NULL,
	"event_id" text NOT NULL,
	"event_key" text NOT NULL,
	"state" "delivery_state" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_status_code" integer,
	"body" text NOT NULL,
	"retry_after" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"failed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "chat_subscriber" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" "chat_subscriber_platform" NOT NULL,
	"url" text NOT NULL,
	"state" "webhook_subscriber_state" NOT NULL,
	"verification_code_hash" "bytea",
	"verification_expires_at" timestamp with time zone,
	"verification_attempts" integer DEFAULT 0 NOT NULL,
	"unsubscribe_secret_hash" "bytea" NOT NULL,
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
CREATE TABLE "chat_subscriber_component" (
	"subscriber_id" text NOT NULL,
	"component_id" text NOT NULL,
	CONSTRAINT "chat_subscriber_component_subscriber_id_component_id_pk" PRIMARY KEY("subscriber_id","component_id")
);
--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "chat_fanned_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_event" ADD COLUMN "chat_recipient_count" integer;--> statement-breakpoint
ALTER TABLE "chat_delivery" ADD CONSTRAINT "chat_delivery_subscriber_id_chat_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."chat_subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_delivery" ADD CONSTRAINT "chat_delivery_event_id_webhook_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."webhook_event"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_subscriber_component" ADD CONSTRAINT "chat_subscriber_component_subscriber_id_chat_subscriber_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."chat_subscriber"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_subscriber_component" ADD CONSTRAINT "chat_subscriber_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "chat_delivery_subscriber_id_event_key_idx" ON "chat_delivery" USING btree ("subscriber_id","event_key");--> statement-breakpoint
CREATE INDEX "chat_delivery_event_id_idx" ON "chat_delivery" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "chat_delivery_state_idx" ON "chat_delivery" USING btree ("state") WHERE "chat_delivery"."state" in ('queued', 'sending');--> statement-breakpoint
CREATE UNIQUE INDEX "chat_subscriber_url_idx" ON "chat_subscriber" USING btree ("url");--> statement-breakpoint
CREATE INDEX "chat_subscriber_state_idx" ON "chat_subscriber" USING btree ("state");--> statement-breakpoint
CREATE INDEX "chat_subscriber_component_component_id_idx" ON "chat_subscriber_component" USING btree ("component_id");