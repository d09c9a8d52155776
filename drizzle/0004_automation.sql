CREATE TABLE "alert_link" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"group_key" text NOT NULL,
	"incident_id" text,
	"draft_id" text,
	"firing" jsonb NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "api_key" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"secret_hash" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"created_by" text,
	"created_by_label" text NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotent_request" (
	"api_key_id" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" integer,
	"response_body" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotent_request_api_key_id_key_pk" PRIMARY KEY("api_key_id","key")
);
--> statement-breakpoint
CREATE TABLE "incident_draft" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"group_key" text NOT NULL,
	"title" text NOT NULL,
	"severity" "severity" NOT NULL,
	"severity_reason" text NOT NULL,
	"signals" jsonb NOT NULL,
	"components" jsonb NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"confirmed_incident_id" text,
	"closed_at" timestamp with time zone,
	"closed_by" text
);
--> statement-breakpoint
CREATE TABLE "intake_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"api_key_id" text,
	"group_key" text,
	"alert_status" text,
	"outcome" text NOT NULL,
	"detail" text NOT NULL,
	"incident_id" text,
	"draft_id" text
);
--> statement-breakpoint
ALTER TABLE "alert_link" ADD CONSTRAINT "alert_link_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_link" ADD CONSTRAINT "alert_link_draft_id_incident_draft_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."incident_draft"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotent_request" ADD CONSTRAINT "idempotent_request_api_key_id_api_key_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_key"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_draft" ADD CONSTRAINT "incident_draft_confirmed_incident_id_incident_id_fk" FOREIGN KEY ("confirmed_incident_id") REFERENCES "public"."incident"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_event" ADD CONSTRAINT "intake_event_api_key_id_api_key_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_key"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_event" ADD CONSTRAINT "intake_event_incident_id_incident_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incident"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_event" ADD CONSTRAINT "intake_event_draft_id_incident_draft_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."incident_draft"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_link_open_idx" ON "alert_link" USING btree ("source","group_key") WHERE "alert_link"."closed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "api_key_active_name_idx" ON "api_key" USING btree (lower("name")) WHERE "api_key"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "idempotent_request_created_at_idx" ON "idempotent_request" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "intake_event_received_at_idx" ON "intake_event" USING btree ("received_at");--> statement-breakpoint
-- The page's public id (Statuspage's page.id): random, made once per install.
INSERT INTO "setting" ("key", "value", "updated_at") VALUES ('page_id', to_jsonb(substr(md5(random()::text || clock_timestamp()::text), 1, 12)), now()) ON CONFLICT ("key") DO NOTHING;
