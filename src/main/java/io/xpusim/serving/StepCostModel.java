package io.xpusim.serving;

import io.xpusim.compute.CostModel;
import io.xpusim.model.BatchShape;
import io.xpusim.model.ForwardPass;
import io.xpusim.model.Operator;
import java.util.List;

/**
 * Turns a batch shape into a {@link StepCost}: the forward pass's operators costed on the device, one
 * kernel per operator execution plus one per all-reduce, each costing the host its launch and framework
 * dispatch time.
 */
public final class StepCostModel {
    private final ForwardPass pass;
    private final CostModel device;
    private final double hostSecondsPerKernel;

    public StepCostModel(ForwardPass pass, CostModel device, double hostSecondsPerKernel) {
        this.pass = pass;
        this.device = device;
        this.hostSecondsPerKernel = hostSecondsPerKernel;
    }

    /** Host CPU time to launch and dispatch one kernel. */
    public double hostSecondsPerKernel() {
        return hostSecondsPerKernel;
    }

    public StepCost cost(BatchShape shape) {
        List<Operator> ops = pass.operators(shape);
        int kernels = 0;
        for (Operator op : ops) {
            kernels += op.repeat();
        }
        int allReduces = pass.allReducesPerPass();
        kernels += allReduces;
        return new StepCost(device.seconds(ops), kernels * hostSecondsPerKernel, kernels, allReduces,
                pass.allReduceBytes(shape));
    }
}
