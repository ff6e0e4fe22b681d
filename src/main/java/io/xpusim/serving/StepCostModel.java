package io.xpusim.serving;

import io.xpusim.compute.CostModel;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.Operator;
import java.util.List;

/**
 * Turns a batch shape into a {@link StepCost} for one pipeline stage of a forward pass (the whole pass when pp = 1):
 * the stage's operators costed on the device, one kernel per operator execution (fewer with kernel fusion) plus one per
 * all-reduce, each costing the host its launch and framework dispatch time ({@link HostLaunchCosts}).
 */
public final class StepCostModel {
    private final ForwardPass pass;
    private final int stage;
    private final int pp;
    private final CostModel device;
    private final HostLaunchCosts host;
    private final boolean splitComputeBound;

    public StepCostModel(ForwardPass pass, CostModel device, HostLaunchCosts host) {
        this(pass, 0, 1, device, host, false);
    }

    /**
     * @param splitComputeBound whether costs also say which part is math-bound ({@link StepCost#computeBoundSeconds}),
     *                          for engines limited to a share of the device's compute
     */
    public StepCostModel(ForwardPass pass, int stage, int pp, CostModel device, HostLaunchCosts host,
                         boolean splitComputeBound) {
        this.pass = pass;
        this.stage = stage;
        this.pp = pp;
        this.device = device;
        this.host = host;
        this.splitComputeBound = splitComputeBound;
    }

    public HostLaunchCosts host() {
        return host;
    }

    public ForwardPass pass() {
        return pass;
    }

    /** The device's operator cost model. */
    public CostModel deviceCosts() {
        return device;
    }

    /** The operators this stage runs for {@code shape}. */
    public List<Operator> operators(BatchShape shape) {
        return pass.operators(shape, stage, pp);
    }

    public StepCost cost(BatchShape shape) {
        return cost(shape, operators(shape));
    }

    /** The cost of {@code ops}, the operators this stage produces for {@code shape} (possibly filtered). */
    public StepCost cost(BatchShape shape, List<Operator> ops) {
        int kernels = 0;
        for (Operator op : ops) {
            if (host.launches(op.name())) {
                kernels += op.repeat();
            }
        }
        int allReduces = pass.allReducesPerStage(pp);
        kernels += allReduces;
        return new StepCost(device.seconds(ops), host.seconds(kernels, shape.prefillTokens() == 0), kernels, allReduces,
                pass.allReduceBytes(shape), splitComputeBound ? device.computeBoundSeconds(ops) : Double.NaN);
    }

    /** Bytes this stage hands to the next one per iteration (all tensor-parallel ranks together). */
    public double boundaryBytes(BatchShape shape) {
        return pass.stageBoundaryBytes(shape);
    }
}
