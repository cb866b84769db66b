CREATE INDEX tasks_open ON tasks (id) WHERE NOT done;
