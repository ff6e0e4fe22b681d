package io.xpusim.compute;

import io.xpusim.model.Operator;

/** Device time of one execution of an operator on a particular device. */
public interface CostModel {
    double seconds(Operator op);

    /** Device time of a whole operator list, each op times its repeat count. */
    default double seconds(Iterable<Operator> ops) {
        double total = 0;
        for (Operator op : ops) {
            total += seconds(op) * op.repeat();
        }
        return total;
    }

    /**
     * Of {@link #seconds(Iterable)}, the time of the operators bound by math rather than by memory bandwidth: what a
     * share of the device's compute units slows down. A model that cannot tell counts every operator.
     */
    default double computeBoundSeconds(Iterable<Operator> ops) {
        return seconds(ops);
    }
}
