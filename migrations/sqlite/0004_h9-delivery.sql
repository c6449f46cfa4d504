CREATE TABLE `channel_states` (
	`channel_id` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`detail` text,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `enterprise_id` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lane` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `outbox` ADD `held_reason` text;--> statement-breakpoint
CREATE INDEX `outbox_lane` ON `outbox` (`lane`,`status`,`id`);--> statement-breakpoint
UPDATE `outbox` SET `lane` = CASE WHEN substr(`recipient`, 1, 1) IN ('U', 'W') THEN 'dm:' || `recipient` WHEN `lead_id` IS NOT NULL THEN 'lead:' || `lead_id` || ':' || `recipient` ELSE 'ch:' || `recipient` END WHERE `lane` IS NULL;
