-- Serials are unique across organizations: a serial is the device's MQTT client id, user name and
-- topic root, so two devices sharing one let each take over the other's session and retained
-- messages. Where organizations already share a serial, the oldest device keeps it (the physical
-- device most likely belongs to it); every later one becomes '<serial>~<device id>', which the API
-- never accepts as a serial (no '~'), so it cannot be typed in by accident and collides with
-- nothing. docs/mqtt.md says how an operator sorts such devices out.
UPDATE devices SET serial = serial || '~' || id
WHERE EXISTS (
    SELECT 1 FROM devices AS older
    WHERE older.serial = devices.serial
      AND (older.created_at < devices.created_at OR (older.created_at = devices.created_at AND older.id < devices.id)));

-- The database decides under races: two organizations creating the same serial at once get one
-- insert and one unique violation (409 serial_taken).
DROP INDEX ix_devices_serial;
CREATE UNIQUE INDEX ux_devices_serial ON devices (serial);
