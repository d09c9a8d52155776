CREATE TABLE "backup_run" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"requested_by" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"file_name" text,
	"schema_version" integer,
	"rows" integer,
	"bytes" bigint,
	"tables" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "backup_run_started_at_idx" ON "backup_run" USING btree ("started_at");