"""Results: the tables, claims, scorecard and figures a reader of the papers compares.

Classification and match tables, Table 1 / Table 2 beside the published values and the
summaries, with each run's flags (:mod:`.tables`); the papers' claims decided from those tables
(:mod:`.claims`) by the tests of :mod:`.stats` (Welch's t-test over trials, trials needed);
the scorecard of every checked number and claim (:mod:`.scorecard`); the experiment figures
(:mod:`.plots`); and HTML renderings of tables for the Snakemake report (:mod:`.html`).
This is the last stage: nothing else imports it.
"""
