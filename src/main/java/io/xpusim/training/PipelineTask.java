package io.xpusim.training;

/**
 * One unit of pipeline work on a stage: a forward or backward pass of one micro-batch through one of the
 * stage's model chunks. With v virtual stages, chunk c of stage s holds model block c·pp + s.
 */
public record PipelineTask(Pass pass, int microBatch, int chunk) {
}
