package io.xpusim.resource;

import java.util.List;

/**
 * Watches a {@link FairShareSolver}: activities starting and finishing, and resources whose allocated rate may
 * have changed after a recomputation. For traces and link-utilisation charts; absent by default, so the
 * solver pays nothing when nobody watches.
 */
public interface SolverObserver {
    void activityStarted(Activity activity, long nowPicos);

    void activityFinished(Activity activity, long nowPicos);

    /** Called after a recomputation with the resources of the recomputed component (their new rates are set). */
    void ratesChanged(List<Resource> resources, long nowPicos);
}
