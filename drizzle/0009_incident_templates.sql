CREATE TABLE "incident_template" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"title" text NOT NULL,
	"message" text NOT NULL,
	"status" "incident_status" NOT NULL,
	"severity" "severity",
	"notify_subscribers" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_template_component" (
	"template_id" text NOT NULL,
	"component_id" text NOT NULL,
	"status" "component_status" NOT NULL,
	CONSTRAINT "incident_template_component_template_id_component_id_pk" PRIMARY KEY("template_id","component_id")
);
--> statement-breakpoint
ALTER TABLE "incident_template_component" ADD CONSTRAINT "incident_template_component_template_id_incident_template_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."incident_template"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_template_component" ADD CONSTRAINT "incident_template_component_component_id_component_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."component"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "incident_template_name_idx" ON "incident_template" USING btree ("name");--> statement-breakpoint
CREATE INDEX "incident_template_component_component_id_idx" ON "incident_template_component" USING btree ("component_id");