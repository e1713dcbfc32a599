"""Topics: the fit (clustering of the stored vectors, on a sample above a size), topic
words and labels, stable ids across builds and the changes between two builds,
placement of added documents, metrics, and the views over time, hierarchy, classes
and the document map.

Public API: the names in `__all__`; the modules below hold the rest.
"""

from corpusmap.topics.breakdowns import TopicsByClass, topics_by_class
from corpusmap.topics.changes import TopicChanges, topic_changes
from corpusmap.topics.clustering import ClusterParams, cluster_documents
from corpusmap.topics.document_map import DocumentMap, build_document_map
from corpusmap.topics.drift import Placement, place_documents
from corpusmap.topics.emerging import EmergingTopics, emerging_topics
from corpusmap.topics.fit import TopicFit, fit_topics, save_topic_model
from corpusmap.topics.matching import IdMatch, match_topics, stable_fit
from corpusmap.topics.metrics import evaluate_topics, multi_topic_agreement
from corpusmap.topics.mixture import Mixture, document_mixtures
from corpusmap.topics.views import TopicsOverTime, topic_hierarchy, topics_over_time
from corpusmap.topics.words import PATENT_STOP_WORDS, label_terms, stop_words

__all__ = [
    "PATENT_STOP_WORDS",
    "ClusterParams",
    "DocumentMap",
    "EmergingTopics",
    "IdMatch",
    "Mixture",
    "Placement",
    "TopicChanges",
    "TopicFit",
    "TopicsByClass",
    "TopicsOverTime",
    "build_document_map",
    "cluster_documents",
    "document_mixtures",
    "emerging_topics",
    "evaluate_topics",
    "fit_topics",
    "label_terms",
    "match_topics",
    "multi_topic_agreement",
    "place_documents",
    "save_topic_model",
    "stable_fit",
    "stop_words",
    "topic_changes",
    "topic_hierarchy",
    "topics_by_class",
    "topics_over_time",
]
