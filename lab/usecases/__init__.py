"""The application layer: one module per command, called by both faces (lab/cli for the
terminal, lab/api for Python). A use case takes a parsed lab.selection.Selection (or its own
few arguments), runs what the command runs, and returns data: it never prints and never draws
(lab/views does). Each imports only what it uses, so `lab list` does not pay for `lab compare`.
"""
