CREATE TABLE `corroborator_intros` (
	`lead_id` integer NOT NULL,
	`partner_slug` text NOT NULL,
	`source_lead_id` integer NOT NULL,
	`status` text NOT NULL,
	`requested_by_user_id` text NOT NULL,
	`requested_at` integer NOT NULL,
	`answered_by_user_id` text,
	`answered_at` integer,
	PRIMARY KEY(`lead_id`, `partner_slug`),
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `corroborator_intros_source` ON `corroborator_intros` (`source_lead_id`);--> statement-breakpoint
CREATE TABLE `overlap_asks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`partner_slug` text NOT NULL,
	`domain` text NOT NULL,
	`status` text NOT NULL,
	`batch_key` text NOT NULL,
	`times_asked` integer DEFAULT 1 NOT NULL,
	`asked_at` integer NOT NULL,
	`answered_at` integer,
	`answered_by_user_id` text,
	`snoozed_until` integer,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `overlap_asks_partner_domain` ON `overlap_asks` (`partner_slug`,`domain`);--> statement-breakpoint
CREATE INDEX `overlap_asks_status` ON `overlap_asks` (`partner_slug`,`status`);--> statement-breakpoint
CREATE TABLE `reward_awards` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` integer NOT NULL,
	`partner_slug` text NOT NULL,
	`milestone` text NOT NULL,
	`rule_index` integer NOT NULL,
	`kind` text NOT NULL,
	`value` real NOT NULL,
	`currency` text,
	`basis` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	`decided_by_user_id` text,
	`decision_reason` text,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reward_awards_lead_rule` ON `reward_awards` (`lead_id`,`milestone`,`rule_index`);--> statement-breakpoint
CREATE INDEX `reward_awards_status` ON `reward_awards` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `reward_awards_partner` ON `reward_awards` (`partner_slug`,`status`);