CREATE TABLE `job_runs` (
	`job` text NOT NULL,
	`period_key` text NOT NULL,
	`ran_at` integer NOT NULL,
	`result` text,
	PRIMARY KEY(`job`, `period_key`)
);
--> statement-breakpoint
CREATE INDEX `job_runs_ran_at` ON `job_runs` (`ran_at`);--> statement-breakpoint
ALTER TABLE `people` ADD `time_zone_checked_at` integer;