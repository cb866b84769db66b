CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT NOT NULL, nick VARCHAR(20));
COMMENT ON TABLE users IS 'People who sign in.';
COMMENT ON COLUMN users.name IS E'Full name.\n  Second line, indented.\n\nAfter a blank.';
CREATE TABLE posts (id SERIAL PRIMARY KEY, user_id INTEGER REFERENCES users(id));
COMMENT ON COLUMN posts.user_id IS 'The author';
