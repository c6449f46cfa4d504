CREATE TABLE `baselines` (
	`lead_type` text NOT NULL,
	`period` text NOT NULL,
	`leads` integer,
	`opportunities` integer,
	`won` integer,
	`opportunity_rate` real NOT NULL,
	`win_rate` real NOT NULL,
	`imported_at` integer NOT NULL,
	PRIMARY KEY(`lead_type`, `period`)
);
--> statement-breakpoint
CREATE TABLE `channel_cards` (
	`channel_id` text PRIMARY KEY NOT NULL,
	`partner_slug` text NOT NULL,
	`ts` text,
	`pinned` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `corroborations` (
	`lead_id` integer NOT NULL,
	`partner_slug` text NOT NULL,
	`source_lead_id` integer NOT NULL,
	`relationship` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`lead_id`, `partner_slug`),
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `crm_accounts` (
	`domain` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`industry` text,
	`employees` integer,
	`country` text,
	`revenue` real,
	`owner_user_id` text,
	`is_customer` integer DEFAULT false NOT NULL,
	`has_open_opportunity` integer DEFAULT false NOT NULL,
	`imported_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `crm_accounts_owner` ON `crm_accounts` (`owner_user_id`);--> statement-breakpoint
CREATE TABLE `gate_results` (
	`lead_id` integer NOT NULL,
	`gate` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text NOT NULL,
	`details` text NOT NULL,
	`evaluated_at` integer NOT NULL,
	PRIMARY KEY(`lead_id`, `gate`),
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `gate_results_outcome` ON `gate_results` (`gate`,`outcome`);--> statement-breakpoint
CREATE TABLE `lead_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` integer,
	`type` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`actor_user_id` text,
	`reason` text,
	`data` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `lead_events_lead` ON `lead_events` (`lead_id`,`id`);--> statement-breakpoint
CREATE INDEX `lead_events_type_at` ON `lead_events` (`type`,`at`);--> statement-breakpoint
CREATE TABLE `leads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`domain` text NOT NULL,
	`account_name` text NOT NULL,
	`partner_slug` text NOT NULL,
	`surfaced_by` text NOT NULL,
	`submitted_by_user_id` text NOT NULL,
	`submitted_by_team_id` text,
	`status` text NOT NULL,
	`relationship` text,
	`overlap_verified` integer DEFAULT false NOT NULL,
	`need` text,
	`notes` text,
	`source_message_url` text,
	`partner_industry` text,
	`partner_employees` integer,
	`partner_country` text,
	`icp_score` real,
	`attribution` text NOT NULL,
	`route_channel` text,
	`route_rule_index` integer,
	`route_pool` text,
	`suggested_user_id` text,
	`owner_user_id` text,
	`routing_post_channel` text,
	`routing_post_ts` text,
	`intro_status` text,
	`reason_code` text,
	`reason_text` text,
	`merged_into_lead_id` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`qualified_at` integer,
	`claimed_at` integer,
	`opportunity_at` integer,
	`closed_at` integer,
	`last_progress_at` integer NOT NULL,
	`extension_days` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `leads_domain` ON `leads` (`domain`);--> statement-breakpoint
CREATE INDEX `leads_status` ON `leads` (`status`);--> statement-breakpoint
CREATE INDEX `leads_owner` ON `leads` (`owner_user_id`);--> statement-breakpoint
CREATE INDEX `leads_partner` ON `leads` (`partner_slug`);--> statement-breakpoint
CREATE INDEX `leads_submitter` ON `leads` (`submitted_by_user_id`);--> statement-breakpoint
CREATE INDEX `leads_created` ON `leads` (`created_at`);--> statement-breakpoint
CREATE INDEX `leads_updated` ON `leads` (`updated_at`);--> statement-breakpoint
CREATE INDEX `leads_progress` ON `leads` (`status`,`last_progress_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_key` text NOT NULL,
	`recipient` text NOT NULL,
	`team_id` text,
	`method` text NOT NULL,
	`payload` text NOT NULL,
	`lead_id` integer,
	`on_sent` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`result` text,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_delivery_key` ON `outbox` (`delivery_key`);--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `outbox_recipient` ON `outbox` (`recipient`,`status`,`id`);--> statement-breakpoint
CREATE TABLE `partner_orgs` (
	`slug` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`manager_user_id` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `partner_overlaps` (
	`partner_slug` text NOT NULL,
	`domain` text NOT NULL,
	`relationship` text NOT NULL,
	`imported_at` integer NOT NULL,
	PRIMARY KEY(`partner_slug`, `domain`),
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `partner_overlaps_domain` ON `partner_overlaps` (`domain`);--> statement-breakpoint
CREATE TABLE `partner_slack_ids` (
	`kind` text NOT NULL,
	`slack_id` text NOT NULL,
	`partner_slug` text NOT NULL,
	PRIMARY KEY(`kind`, `slack_id`),
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `partner_slack_ids_partner` ON `partner_slack_ids` (`partner_slug`);--> statement-breakpoint
CREATE TABLE `people` (
	`user_id` text PRIMARY KEY NOT NULL,
	`team_id` text,
	`partner_slug` text,
	`display_name` text,
	`time_zone` text,
	`primer_sent_at` integer,
	`first_seen_at` integer NOT NULL,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `person_roles` (
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `role`)
);
--> statement-breakpoint
CREATE TABLE `pool_cursors` (
	`pool_key` text PRIMARY KEY NOT NULL,
	`position` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `slack_installations` (
	`install_key` text PRIMARY KEY NOT NULL,
	`team_id` text,
	`enterprise_id` text,
	`bot_user_id` text,
	`installation` text NOT NULL,
	`installed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `warmth_attestations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` integer NOT NULL,
	`partner_slug` text NOT NULL,
	`attested_by_user_id` text NOT NULL,
	`strength` integer NOT NULL,
	`contact_name` text,
	`contact_title` text,
	`contact_email` text,
	`last_interaction_on` text,
	`willing_to_introduce` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_slug`) REFERENCES `partner_orgs`(`slug`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `warmth_attestations_lead` ON `warmth_attestations` (`lead_id`,`created_at`);