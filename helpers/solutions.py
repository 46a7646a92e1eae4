"""Worked solutions that stay folded until the student opens them, in every front end.

JupyterLab and Notebook 7 honour a cell's ``source_hidden`` / ``outputs_hidden`` metadata; GitHub,
VS Code and Colab do not, but all of them render an HTML ``<details>`` block closed. A solution
cell therefore shows its result through `folded`, and its explanation sits in a markdown
``<details>`` block.
"""

import base64
import html
import io


def folded(summary, text="", figure=None):
    """An IPython HTML object: ``summary`` shown, ``text`` and the matplotlib ``figure`` folded until clicked.

    The figure is closed after it is drawn into the block, so it is not shown a second time below it.
    """
    from IPython.display import HTML  # only notebooks need it: `import helpers` stays light

    parts = [f"<pre>{html.escape(text)}</pre>"] if text else []
    if figure is not None:
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(figure)
        parts.append(f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">')
    return HTML(f"<details><summary><b>{html.escape(summary)}</b></summary>{''.join(parts)}</details>")
