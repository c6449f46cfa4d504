ALTER TABLE `people` ADD `enterprise_id` text;--> statement-breakpoint
CREATE INDEX `people_team` ON `people` (`team_id`,`enterprise_id`);