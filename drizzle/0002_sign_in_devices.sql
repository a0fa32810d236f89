CREATE TABLE "sign_in_devices" (
	"user_id" text NOT NULL,
	"device_key" "bytea" NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sign_in_devices_user_id_device_key_pk" PRIMARY KEY("user_id","device_key")
);
--> statement-breakpoint
ALTER TABLE "sign_in_devices" ADD CONSTRAINT "sign_in_devices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- A device is its IP + user agent; null and empty stay apart.
CREATE FUNCTION "parley_device_key"(ip text, user_agent text) RETURNS bytea
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN sha256(convert_to(coalesce('+' || ip, '-') || E'\n' || coalesce('+' || user_agent, '-'), 'UTF8'));
--> statement-breakpoint
-- Devices seen before this table existed: registrations and sign-ins in the audit log.
INSERT INTO "sign_in_devices" ("user_id", "device_key", "first_seen_at")
	SELECT a."user_id", parley_device_key(a."ip", a."user_agent"), min(a."created_at")
	FROM "audit_log" a
	WHERE a."event" IN ('register', 'login_success') AND EXISTS (SELECT 1 FROM "users" u WHERE u."id" = a."user_id")
	GROUP BY 1, 2
	ON CONFLICT DO NOTHING;
