package jprune.nn.infer;

/**
 * One thread's buffers for one plan, allocated once and reused by every call on that thread: an
 * output buffer per step (one image for the steps that run image by image, a group of samples for
 * the rest), one scratch array the size the hungriest step asks for, and each step's own state.
 * Padding regions are zero when allocated and no step writes them, so they stay zero.
 */
final class Workspace {
    final float[][] outputs;
    final float[] scratch;
    final Object[] state;

    Workspace(java.util.List<Step> steps, int spatialSteps, int group) {
        outputs = new float[steps.size()][];
        int scratchSize = 0;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            // The last image-by-image step writes into the group buffer the flat steps read.
            int samples = i < spatialSteps - 1 ? 1 : group;
            outputs[i] = new float[samples * s.out.size() + Activation.SLACK];
            scratchSize = Math.max(scratchSize, s.scratchSize());
        }
        scratch = new float[scratchSize];
        state = new Object[steps.size()];
    }
}
