"""Plots and widgets for the course notebooks (needs matplotlib, plotly and ipywidgets).

Widgets are built in three layers: a pure function that returns arrays (tested without a
browser), a builder that creates the figure once, and a thin callback that writes new
data into it inside ``fig.batch_update()``.
"""
