-- Sync: the status line counts this device's conflicts and refusals on every cycle.
CREATE INDEX readings_attention ON readings(sync_state)
    WHERE sync_state IN ('conflict', 'refused');
