-- Where a listener's subscription starts when `scm worker` first
-- subscribes it: `new` events only, or `earliest` (every event the queue
-- still holds).
ALTER TABLE listeners ADD COLUMN start_from TEXT NOT NULL DEFAULT 'new';
