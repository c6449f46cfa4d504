CREATE TABLE `slack_workspaces` (
	`team_id` text PRIMARY KEY NOT NULL,
	`enterprise_id` text NOT NULL,
	`learned_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `people` ADD `enterprise_id` text;--> statement-breakpoint
CREATE INDEX `people_team` ON `people` (`team_id`,`enterprise_id`);