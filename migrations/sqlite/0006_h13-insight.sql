CREATE TABLE `eql_models` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fitted_at` integer NOT NULL,
	`use` text NOT NULL,
	`reason` text,
	`n` integer NOT NULL,
	`positives` integer NOT NULL,
	`n_train` integer NOT NULL,
	`n_test` integer NOT NULL,
	`model` text,
	`prior` text NOT NULL,
	`held_out` text,
	`settings` text NOT NULL,
	`segments` text
);
--> statement-breakpoint
CREATE INDEX `eql_models_fitted` ON `eql_models` (`fitted_at`);