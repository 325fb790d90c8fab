"""The classroom dashboard: a Solara web app that shows, month by month, why cooperation takes a decade to grow.

``python -m simulation.dashboard`` starts it on 127.0.0.1 (see ``__main__``);
``app.py`` is the page, ``components.py`` its panels and styles, ``lesson.py`` the two side-by-side models it steps,
``network.py`` the drawing of the trust network, ``labels.py`` the French and
English labels, ``assets.py`` the offline installer of Solara's browser code.
"""
