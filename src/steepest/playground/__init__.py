"""The playground: a local web app where a small network learns a 2-D dataset
live, backed by the library itself (``steepest playground``; needs the
``playground`` extra, ``pip install 'steepest[playground]'``).

- :mod:`.settings`: what a page may ask for, checked (and the server's limits);
- :mod:`.data`: TensorFlow Playground's datasets, the input features, uploads;
- :mod:`.session`: one tab's network, trained by ``fit`` itself;
- :mod:`.views`: the pictures of every unit, packed as binary frames;
- :mod:`.messages`, :mod:`.channel`: the page's messages over its WebSocket;
- :mod:`.digits`: the draw-a-digit page; :mod:`.export`: model file and code;
- :mod:`.server`: the web server (Starlette and uvicorn).

Only :mod:`.server`, :mod:`.channel` and :mod:`.digits` import the server
stack; the rest needs NumPy alone.
"""
