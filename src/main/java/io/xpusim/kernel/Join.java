package io.xpusim.kernel;

/**
 * Calls its action once {@link #arrive()} has been called {@code parties} times: the end of a set of concurrent
 * activities (the flows of one transfer, the devices of one stage). With no parties the action runs at once.
 */
public final class Join {
    private int remaining;
    private final Runnable done;

    public Join(int parties, Runnable done) {
        this.remaining = parties;
        this.done = done;
        if (parties == 0) {
            done.run();
        }
    }

    public void arrive() {
        if (--remaining == 0) {
            done.run();
        }
    }
}
