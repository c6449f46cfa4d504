CREATE TABLE `crm_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_key` text NOT NULL,
	`record_key` text NOT NULL,
	`lead_id` integer,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `crm_outbox_delivery_key` ON `crm_outbox` (`delivery_key`);--> statement-breakpoint
CREATE INDEX `crm_outbox_pending` ON `crm_outbox` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `crm_outbox_record` ON `crm_outbox` (`record_key`,`status`,`id`);--> statement-breakpoint
ALTER TABLE `baselines` ADD `avg_deal_size` real;--> statement-breakpoint
ALTER TABLE `baselines` ADD `currency` text;--> statement-breakpoint
ALTER TABLE `baselines` ADD `days_to_opportunity` real;--> statement-breakpoint
ALTER TABLE `baselines` ADD `days_to_close` real;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_opportunity_id` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_opportunity_name` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_linked_at` integer;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_link_choices` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_stage` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `opportunity_amount` real;--> statement-breakpoint
ALTER TABLE `leads` ADD `opportunity_currency` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `opportunity_close_date` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_opportunity_created_at` integer;--> statement-breakpoint
ALTER TABLE `leads` ADD `crm_opportunity_closed_at` integer;--> statement-breakpoint
CREATE INDEX `leads_crm_opportunity` ON `leads` (`crm_opportunity_id`);