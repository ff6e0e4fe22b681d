package io.xpusim.hardware;

/** Two endpoints the cluster does not connect: a configuration error to explain to the user. */
public final class RouteNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RouteNotFoundException(String message) {
        super(message);
    }
}
