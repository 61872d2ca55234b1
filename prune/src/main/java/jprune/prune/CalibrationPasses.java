package jprune.prune;

import jprune.nn.Module;
import jprune.nn.autograd.Losses;
import jprune.nn.autograd.Variable;
import jprune.nn.data.Batches;

/** Runs the model over the context's calibration batches in eval mode (the same batches every criterion sees). */
final class CalibrationPasses {
    private CalibrationPasses() {}

    interface BatchAction {
        void run(Batches.Batch batch);
    }

    /** Calls action once per calibration batch, restoring the model's training flag afterwards; returns the batch count. */
    static int forEach(PruneContext ctx, BatchAction action) {
        Module model = ctx.model();
        boolean wasTraining = model.isTraining();
        model.train(false);
        int seen = 0;
        try {
            Batches batches = new Batches(ctx.calibration(), ctx.batchSize(), true, ctx.seed(), true);
            for (Batches.Batch b : batches.epoch(0)) {
                if (seen >= ctx.calibrationBatches()) break;
                action.run(b);
                seen++;
            }
        } finally {
            model.zeroGrad();
            model.train(wasTraining);
        }
        return seen;
    }

    /** Forward and backward of the cross-entropy loss on one batch; gradients are left in the parameters. Returns the loss. */
    static double lossAndGradients(Module model, Batches.Batch b) {
        model.zeroGrad();
        Variable loss = Losses.crossEntropy(model.forward(Variable.constant(b.x())), b.labels(), 0f);
        loss.backward();
        return loss.value().item();
    }

    /** The cross-entropy loss of one batch, without gradients. */
    static double loss(Module model, Batches.Batch b) {
        return Losses.crossEntropy(model.forward(Variable.constant(b.x())), b.labels(), 0f).value().item();
    }
}
