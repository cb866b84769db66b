CREATE TABLE `users1` (
  `id` int(11) NOT NULL PRIMARY KEY,
  `x"] } include!(env!("P1")); mod y { #[sql_name="z` enum('active','disabled') NOT NULL DEFAULT 'active',
  `x"] } include!(env!("P")); mod y { #[sql_name="z` set('val1','val2','val3','val4') NOT NULL DEFAULT 'val1'
);
