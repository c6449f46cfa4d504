CREATE TABLE `crm_opportunities` (
	`crm_provider` text NOT NULL,
	`crm_id` text NOT NULL,
	`account_crm_id` text,
	`account_domain` text,
	`name` text NOT NULL,
	`stage_id` text NOT NULL,
	`is_closed` integer DEFAULT false NOT NULL,
	`is_won` integer DEFAULT false NOT NULL,
	`amount` real,
	`currency` text,
	`close_date` text,
	`owner_email` text,
	`owner_user_id` text,
	`loss_reason` text,
	`crm_created_at` integer,
	`crm_updated_at` integer NOT NULL,
	`crm_deleted_at` integer,
	`crm_merged_into` text,
	`synced_at` integer NOT NULL,
	PRIMARY KEY(`crm_provider`, `crm_id`)
);
--> statement-breakpoint
CREATE INDEX `crm_opportunities_account` ON `crm_opportunities` (`crm_provider`,`account_crm_id`);--> statement-breakpoint
CREATE INDEX `crm_opportunities_domain` ON `crm_opportunities` (`account_domain`,`crm_created_at`);--> statement-breakpoint
CREATE TABLE `crm_owner_map` (
	`email` text PRIMARY KEY NOT NULL,
	`slack_user_id` text,
	`looked_up_at` integer NOT NULL,
	`miss` integer DEFAULT false NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE TABLE `crm_sync_cursors` (
	`crm_provider` text NOT NULL,
	`object` text NOT NULL,
	`last_modified` integer,
	`resume_token` text,
	`deleted_through` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`crm_provider`, `object`)
);
--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `crm_provider` text;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `crm_id` text;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `owner_email` text;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `crm_updated_at` integer;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `crm_deleted_at` integer;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `crm_merged_into` text;--> statement-breakpoint
ALTER TABLE `crm_accounts` ADD `synced_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `crm_accounts_crm_id` ON `crm_accounts` (`crm_provider`,`crm_id`);--> statement-breakpoint
CREATE INDEX `crm_accounts_owner_email` ON `crm_accounts` (`owner_email`);