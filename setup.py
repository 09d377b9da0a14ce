from setuptools import find_packages, setup


def version() -> str:
    scope: dict = {}
    with open('hmot_mm/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='hmot_mm',
    version=version(),
    description='One-stage pedestrian MOT with a hierarchical single-branch '
    'network (iHOIM loss, motion proposals) on MMDetection 3.x',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    python_requires='>=3.10',
    # torch and mmcv are installed by tools/setup_env.sh: torch pinned to the
    # CPU build (or the machine's CUDA build), mmcv built from source.
    install_requires=[
        'numpy>=2,<3', 'mmengine==0.10.7', 'mmdet==3.3.0', 'trackeval==1.3.0',
        'motmetrics==1.4.0', 'scipy'
    ],
    extras_require=dict(tests=['pytest']),
    license='Apache-2.0',
    zip_safe=False)
