"""Where a verdict is made: the reference results, tolerances and comparison (numpy only, never
torch), and the verdicts that turn a job's outcomes into a report.
"""
