CREATE TABLE `User Accounts` (id INTEGER PRIMARY KEY, `type` TEXT, `User Accounts` TEXT, `1st` INTEGER, `has-dash` TEXT, `quote"d` TEXT);
CREATE TABLE `table` (id INTEGER PRIMARY KEY, `self` TEXT);
CREATE TABLE __hidden (id INTEGER PRIMARY KEY);
