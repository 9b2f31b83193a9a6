// Tests of the comms service.
