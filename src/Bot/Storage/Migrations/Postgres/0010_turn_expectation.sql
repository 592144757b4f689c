-- Issue 15: a turn decided ahead on the state this instance kept sends the conversation's lock with its writes and its
-- COMMIT, in one round trip, and checks, once the lock is granted, that the row is still as kept. This raises when it is
-- not (SQLSTATE OB001): the transaction fails, nothing of it is written, and the turn runs again, locking first.
CREATE OR REPLACE FUNCTION oimbot_expect(held boolean) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF held IS NOT TRUE THEN
        RAISE EXCEPTION 'the conversation is not as this instance kept it' USING ERRCODE = 'OB001';
    END IF;
    RETURN true;
END
$$;
