"""inflexibility in PyTorch eager: the weights are tensors in a dict; an edit is the next call."""
import torch

from scenarios.inflexibility import EPS, H, checkpoint, config, report, same

_sessions: dict = {}  # per variant: the researcher's session, its weights set once


def _mlp(w, x, norm, act, slope, scale):
    h = x @ w["w1"] + w["b1"]
    h = torch.relu(h) if act == "relu" else torch.nn.functional.leaky_relu(h, slope)
    if norm:  # edit (a): a layer norm between the layers
        h = torch.nn.functional.layer_norm(h, [H], w["gamma"], w["beta"], EPS)
    return (h @ w["w2"] + w["b2"]) * scale


def _step(session, model, x, edit):
    norm, act, slope, scale = config(edit.tolist())
    w, rebuilt = session.setdefault("w", {}), []
    if not w:  # session start: the trained weights
        w.update({k: torch.nn.Parameter(torch.as_tensor(v, device=x.device)) for k, v in checkpoint().items()})
    if norm and "gamma" not in w:  # the new layer's parameters
        w.update(gamma=torch.nn.Parameter(torch.ones(H, device=x.device)),
                 beta=torch.nn.Parameter(torch.zeros(H, device=x.device)))
    out = model(w, x, norm, act, slope, scale)
    if session.get("last") != [norm, act, slope, scale]:
        session["last"] = [norm, act, slope, scale]
        report(rebuilt, kept=same({k: v.detach().cpu().numpy() for k, v in w.items()}))
    return out


def forward(x, edit):
    return _step(_sessions.setdefault("forward", {}), _mlp, x, edit)


# Eager code needs no port: the first version written is the working one.
naive = forward
