package io.xpusim.serving;

import io.xpusim.compute.CostModel;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.Operator;
import java.util.List;

/**
 * Turns a batch shape into a {@link StepCost}: the forward pass's operators costed on the device, one
 * kernel per operator execution (fewer with kernel fusion) plus one per all-reduce, each costing the host its launch
 * and framework dispatch time ({@link HostLaunchCosts}).
 */
public final class StepCostModel {
    private final ForwardPass pass;
    private final CostModel device;
    private final HostLaunchCosts host;

    public StepCostModel(ForwardPass pass, CostModel device, HostLaunchCosts host) {
        this.pass = pass;
        this.device = device;
        this.host = host;
    }

    public HostLaunchCosts host() {
        return host;
    }

    public ForwardPass pass() {
        return pass;
    }

    public StepCost cost(BatchShape shape) {
        return cost(shape, pass.operators(shape));
    }

    /** The cost of {@code ops}, the operators this model's pass produces for {@code shape} (possibly filtered). */
    public StepCost cost(BatchShape shape, List<Operator> ops) {
        int kernels = 0;
        for (Operator op : ops) {
            if (host.launches(op.name())) {
                kernels += op.repeat();
            }
        }
        int allReduces = pass.allReducesPerPass();
        kernels += allReduces;
        return new StepCost(device.seconds(ops), host.seconds(kernels, shape.prefillTokens() == 0), kernels, allReduces,
                pass.allReduceBytes(shape));
    }
}
