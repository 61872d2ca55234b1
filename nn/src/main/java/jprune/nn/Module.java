package jprune.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.autograd.Variable;
import jprune.tensor.Shape;
import jprune.tensor.Tensor;

/**
 * A node of the model tree. A module owns named parameters, buffers (non-trained state such as
 * batch-norm running statistics) and child modules; {@link #namedParameters()} gives every
 * parameter its stable dotted name ({@code features.0.weight}), the name used in checkpoints and
 * by pruning. Subclasses implement {@link #compute}; callers use {@link #forward}, which runs hooks.
 */
public abstract class Module {
    private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private final List<ForwardHook> hooks = new ArrayList<>();
    private boolean training = true;

    /** The layer's computation. */
    protected abstract Variable compute(Variable x);

    /** Runs the module and then its forward hooks. */
    public final Variable forward(Variable x) {
        Variable y = compute(x);
        for (int i = 0; i < hooks.size(); i++) hooks.get(i).afterForward(this, x, y);
        return y;
    }

    protected final Parameter registerParameter(String name, Parameter p) {
        checkName(name);
        parameters.put(name, p);
        return p;
    }

    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, t);
        return t;
    }

    protected final <M extends Module> M registerModule(String name, M m) {
        checkName(name);
        children.put(name, m);
        return m;
    }

    /** Replaces a child (used by structural surgery); the name must exist. */
    public final void replaceModule(String name, Module m) {
        if (!children.containsKey(name)) throw new IllegalArgumentException("no child module '" + name + "' in " + getClass().getSimpleName());
        children.put(name, m);
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) throw new IllegalArgumentException("invalid module member name '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException("duplicate member name '" + name + "'");
    }

    /** Direct children in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module's own parameters (not its children's). */
    public final Map<String, Parameter> ownParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Every parameter of the tree under its dotted name, in a stable order. */
    public final LinkedHashMap<String, Parameter> namedParameters() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** Every buffer of the tree under its dotted name. */
    public final LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Tensor> bs) {
        if (ps != null) parameters.forEach((n, p) -> ps.put(prefix + n, p));
        if (bs != null) buffers.forEach((n, b) -> bs.put(prefix + n, b));
        children.forEach((n, c) -> c.collect(prefix + n + ".", ps, bs));
    }

    /** Every module of the tree (this one under ""), depth first. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out) {
        out.put(name, this);
        children.forEach((n, c) -> c.collectModules(name.isEmpty() ? n : name + "." + n, out));
    }

    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of parameter elements. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** Switches this module and its children between training and evaluation behaviour. */
    public final Module train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    public final void zeroGrad() {
        for (Parameter p : namedParameters().values()) p.zeroGrad();
    }

    /** Adds a forward hook; returns a handle whose {@code close()} removes it. */
    public final AutoCloseable addForwardHook(ForwardHook hook) {
        hooks.add(hook);
        return () -> hooks.remove(hook);
    }

    /** Parameters and buffers by dotted name: what a checkpoint stores. */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> out.put(n, p.value()));
        out.putAll(namedBuffers());
        return out;
    }

    /**
     * Copies values from a state dict. Every parameter and buffer must be present with its exact
     * shape; entries the model does not have are an error unless listed in allowedExtra (e.g. masks).
     */
    public final void loadStateDict(Map<String, Tensor> state, java.util.function.Predicate<String> allowedExtra) {
        LinkedHashMap<String, Tensor> own = stateDict();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) throw new IllegalArgumentException("checkpoint lacks '" + e.getKey() + "'");
            if (!src.sameShape(e.getValue()))
                throw new IllegalArgumentException("'" + e.getKey() + "' has shape " + Shape.str(src.shape()) + " in the checkpoint but " + Shape.str(e.getValue().shape()) + " in the model");
            e.getValue().copyFromInPlace(src);
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k) && !allowedExtra.test(k)) throw new IllegalArgumentException("checkpoint has '" + k + "', which the model does not");
        }
    }
}
