package io.xpusim.serving;

import io.xpusim.hardware.DeviceProfile;
import java.util.Set;

/**
 * What one iteration's kernel launches cost its host thread on a given CPU: each kernel the CPU's CUDA launch time plus
 * the runtime's framework time divided by the CPU's single-thread speed. With kernel fusion the element-wise operators
 * run inside their neighbouring GEMM or attention kernel and launch nothing; with CUDA graphs a decode-only iteration is
 * one graph launch (one CUDA launch, no per-kernel framework time).
 *
 * @param launchSeconds            the CPU's CUDA launch time per kernel (its profile's kernel-launch, not scaled)
 * @param frameworkSecondsPerKernel the runtime's framework time per kernel on this CPU (already divided by its speed)
 * @param speed                    the CPU's single-thread speed (scales the runtime's serial overheads)
 */
public record HostLaunchCosts(double launchSeconds, double frameworkSecondsPerKernel, double speed, boolean cudaGraphs,
                              boolean kernelFusion) {
    /** Operators a fused runtime folds into the GEMM or attention kernel next to them. */
    public static final Set<String> FUSED = Set.of("input-norm", "rope-kv-write", "post-attn-norm", "activation",
            "residual-add", "final-norm");

    /** No host time at all (for costing device time alone). */
    public static final HostLaunchCosts NONE = new HostLaunchCosts(0, 0, 1.0, false, false);

    /** The costs of {@code runtime} on host CPU {@code cpu} (null: a host of reference speed with no launch cost). */
    public static HostLaunchCosts of(DeviceProfile cpu, RuntimeConfig runtime) {
        double speed = cpu == null || cpu.singleThreadSpeed() <= 0 ? 1.0 : cpu.singleThreadSpeed();
        double launch = cpu == null ? 0 : cpu.kernelLaunchPicos() / 1e12;
        return new HostLaunchCosts(launch, runtime.frameworkOverheadPerKernelPicos() / 1e12 / speed, speed,
                runtime.cudaGraphs(), runtime.kernelFusion());
    }

    /** Whether operator {@code name} launches a kernel of its own. */
    public boolean launches(String name) {
        return !(kernelFusion && FUSED.contains(name));
    }

    /** Host seconds to launch {@code kernels} kernels of an iteration ({@code decodeOnly}: no prompt tokens in it). */
    public double seconds(int kernels, boolean decodeOnly) {
        if (cudaGraphs && decodeOnly && kernels > 0) {
            return launchSeconds;
        }
        return kernels * (launchSeconds + frameworkSecondsPerKernel);
    }

    /** A runtime overhead given on the reference core, in seconds on this host. */
    public double serialSeconds(long referencePicos) {
        return referencePicos / 1e12 / speed;
    }
}
