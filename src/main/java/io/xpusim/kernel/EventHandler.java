package io.xpusim.kernel;

/**
 * What happens when an event fires. Handlers are long-lived objects; the {@code arg} lets one handler
 * serve many events (a request id, an epoch token for lazy cancellation) without allocating.
 */
@FunctionalInterface
public interface EventHandler {
    void handle(long arg);
}
