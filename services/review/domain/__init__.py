"""Pure rules of the review service. Every module here imports only the standard library.

- ``states``: the proposal state machine (an illegal move names the allowed ones)
- ``rubric``: criteria, weights, scales, evidence per level; the two default rubrics
- ``scoring``: weighted totals, the mean, the disagreement flag, the ranking
- ``assignment``: who reviews a proposal (conflict of interest, expertise, load)
- ``screening``: the automatic completeness check
- ``login_limit``: how many failed logins an email address and a client may have
"""
